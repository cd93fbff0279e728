"""The invoicing wing: fees, bank commissions and rebates; French numbering, credit notes,
payments and the L519-6 rule."""
