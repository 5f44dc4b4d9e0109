"""The dispatcher: claim due deliveries → publish outside any transaction → record the outcome."""
