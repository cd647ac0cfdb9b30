"""Satisfaction surveys (征询表/调查表) [001]: rounds, one secret link per household, answers, the round's analysis.

``rounds`` opens a round and takes answers; ``analysis`` gives the return rate and the
satisfaction rate by the seeds' formula, per item and overall, and the sums the promise
board adds to its satisfaction figure. Sending the links goes through the SMS channel
(``sms_text`` gives each message) once that channel exists.
"""
