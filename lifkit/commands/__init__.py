"""The lifkit commands, one module per area; each only parses options, calls one function and prints."""
