"""The rights of the persons concerned (GDPR): export what the office holds about a person,
erase a person, purge the abandoned dossiers kept past their retention."""
