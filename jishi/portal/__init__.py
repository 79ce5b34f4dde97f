"""政务公开 — the public portal: records marked 公开, published after a delay and redacted; search, statistics,
feeds, open data, and citizens' messages (留言) with moderation. Anonymous, under /public/."""
