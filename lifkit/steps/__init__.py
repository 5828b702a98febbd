"""The process steps: the exchange with the agencies, decisions, the pack, the demo."""
