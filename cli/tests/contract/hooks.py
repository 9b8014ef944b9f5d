"""How schemathesis writes and reads the media types of `bangfu serve` that
it does not know: NDJSON (a batch: one JSON value per line, the array items
of the schema) and CSV (a month of records: the array of row objects of the
schema, with a header row)."""

import csv
import io
import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson_body(ctx, value):
    if isinstance(value, bytes):
        return value
    items = value if isinstance(value, list) else [value]
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items).encode("utf-8")


@schemathesis.deserializer("application/x-ndjson")
def ndjson_answer(ctx, response):
    return [json.loads(line) for line in response.content.decode("utf-8").splitlines()]


@schemathesis.serializer("text/csv")
def csv_body(ctx, value):
    if isinstance(value, bytes):
        return value
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        return str(value).encode("utf-8")
    columns = []
    for row in value:
        for key in row:
            if key not in columns:
                columns.append(key)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in value:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8")


@schemathesis.deserializer("text/csv")
def csv_answer(ctx, response):
    return response.content.decode("utf-8")
