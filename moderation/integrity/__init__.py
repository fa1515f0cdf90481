"""Integrity (anti-fraud) computation over interactions: pure numpy, no database.

``reviews``  behaviour features of review events (Mukherjee et al. 2013; Rayana & Akoglu 2015)
``fraudar``  dense blocks in the account x target graph (Hooi et al. 2016)
``scoring``  the combined zero-shot suspicion per review and per account, with reasons
"""
