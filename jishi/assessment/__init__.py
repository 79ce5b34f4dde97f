"""考核 — everyday (quarterly) and annual assessment of cadres from the record: standards, the person's summary, the
evidence pack, the proposal–decision–公示–复核–申诉 flow with the 优秀 quota, and the dossier (干部实绩档案)."""
