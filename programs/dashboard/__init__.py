"""Server-rendered pages for physiotherapists (session login, no CDN, no JavaScript needed)."""
