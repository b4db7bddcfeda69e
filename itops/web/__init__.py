"""The web side: dashboard, agent API, /healthz and /metrics (Starlette + uvicorn)."""

from starlette.convertors import Convertor, register_url_convertor

MAX_ID = 2**31 - 1  # an INTEGER primary key on both engines (also itops.web.forms.MAX_ID)


class IdConvertor(Convertor[int]):
    """``{name:id}``: a row id in a path. Why: Starlette's ``int`` takes any number of digits,
    and 2**63 in a path overflowed SQLite's INTEGER (500, issue 14.4). At most ten digits
    match (more: 404); a value past ``MAX_ID`` becomes 0, an id no row has, so 404 too."""

    regex = "[0-9]{1,10}"

    def convert(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else 0

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())
