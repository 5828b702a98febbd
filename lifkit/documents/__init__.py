"""Documents: form definitions, PDF and Word forms, extraction, validation, identity, mail."""
