"""Where credentials come from: cookies for the web route, Claude Code's OAuth token."""
