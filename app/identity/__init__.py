"""Who may sign: the real-name policy and attestation."""
