# The screening pipeline, queue and audit log arrive with the moderation issue.
