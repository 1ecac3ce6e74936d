"""HTTP clients for the two routes to the usage report: claude.ai (web) and Claude Code (OAuth)."""
