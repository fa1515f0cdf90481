"""JSON for people reading command output: Chinese stays readable, dates and decimals print."""
import json


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
