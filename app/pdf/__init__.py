"""Dossia's PDFs: one house style (fonts, page frame, tables) for every document printed."""
