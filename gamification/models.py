# The points ledger, levels and badges arrive with the gamification issue.
