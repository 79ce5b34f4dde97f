"""Tasks (督办) and instructions (批示) that flow across units and are advanced by records."""
