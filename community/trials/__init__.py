"""Trial programs (试用 + 测评): services, selectors and the signal receiver. See docs/challenges.md."""
