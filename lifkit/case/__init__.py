"""The case: the case folder, the case state derived from it with the process, the workspace and its settings."""
