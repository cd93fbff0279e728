"""The loan request wing: the «Demande de prêt» PDF and the sending prepared for a bank."""
