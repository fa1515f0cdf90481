"""Brand co-creation challenges: entries, votes, comments, polls, prize draws and adopted ideas."""
