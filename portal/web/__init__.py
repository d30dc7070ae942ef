"""The HTTP side of the shell: request helpers, CSRF, security headers, templates."""
