"""Write the RENEW example data (deterministic): ``python examples/gen_renew.py [ROOT]``.

examples/renew   39 industry-belt providers for the 2024 renewal rules (RENEW-1 .. RENEW-3.5),
                 evaluated as of 2024-06-30 with a renewal order line of 50,000 orders
                 (``params.json``; the real line is not in the text, AMB-R1). Every provider
                 has a story (examples/README.md, section RENEW): passes, fails, exactly at the
                 line and one below, leap-day orders, orders just outside the period, shops
                 bound or unbound part-way, deposits paid on 02-29 or 03-01, refunds, not
                 formalized, out of scope, re-applications around the 90-day cool-down, missing
                 dates, revocations recorded whatever the period's figures, and a few deliberately
                 bad rows that are rejected with their reasons.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LINE = 50_000  # the renewal order line used by the examples (params.json)
MID_MONTH = ("2023-12-15", "2024-01-15", "2024-02-15")


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def split(total: int, parts: int) -> list[int]:
    """``parts`` whole numbers summing exactly to ``total``, as even as possible."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


class Renew:
    """Collects the rows of every table, one provider story at a time."""

    def __init__(self) -> None:
        self.providers: list[dict] = []
        self.deposits: list[dict] = []
        self.applications: list[dict] = []
        self.bindings: list[dict] = []
        self.shops: list[str] = []
        self.daily: list[dict] = []

    def provider(self, pid: str, *, certified: str = "2023-03-01", regularized: str = "2023-06-01",
                 revoked: str = "", delisted: str = "", orders: int | None = 80_000, shops: int = 2,
                 days: tuple[str, ...] = MID_MONTH, bound_on: str = "2023-01-01", unbound_on: str = "",
                 deposits: tuple[tuple[str, str], ...] = (("2023-03-01", "100000"),)) -> list[str]:
        """A provider with ``shops`` shops bound from ``bound_on`` selling exactly ``orders`` on ``days``."""
        self.providers.append({"provider_id": pid, "name": f"{pid} 产业带服务商有限公司", "certified_on": certified,
                               "regularized_on": regularized, "tier": "base", "revoked_on": revoked,
                               "delisted_on": delisted})
        for paid_on, amount in deposits:
            self.deposits.append({"provider_id": pid, "paid_on": paid_on, "amount_yuan": amount})
        ids = [f"{pid}-S{i}" for i in range(1, shops + 1)]
        for sid in ids:
            self.shop(sid)
            self.bind(pid, sid, bound_on, unbound_on)
        if orders is not None and ids:
            amounts = split(orders, len(ids) * len(days))
            for i, sid in enumerate(ids):
                for j, day in enumerate(days):
                    self.sell(sid, day, amounts[i * len(days) + j])
        return ids

    def shop(self, sid: str) -> None:
        if sid not in self.shops:
            self.shops.append(sid)

    def bind(self, pid: str, sid: str, bound_on: str, unbound_on: str = "") -> None:
        self.bindings.append({"provider_id": pid, "shop_id": sid, "bound_on": bound_on, "unbound_on": unbound_on})

    def sell(self, sid: str, day: str, orders: int | str, gifts: int = 0) -> None:
        self.daily.append({"shop_id": sid, "date": day, "paid_orders": orders, "gift_orders": gifts})

    def apply(self, pid: str, day: str, explained: bool = True) -> None:
        self.applications.append({"provider_id": pid, "applied_on": day,
                                  "special_explanation": "true" if explained else "false"})

    def build(self) -> None:
        p = self.provider
        revoked = {"revoked": "2024-03-05", "delisted": "2024-03-12"}
        # ---- the order line (RENEW-2.2.1) and its window (RENEW-2.1b) --------------------------------
        p("R01")                                                     # 80,000 orders, deposit paid: kept
        p("R02", orders=LINE)                                        # exactly at the line: kept (>=)
        for row in self.daily[-6:]:
            row["gift_orders"] = 100                                 # gifts are already excluded: not subtracted
        p("R03", orders=LINE - 1, **revoked)                         # one order short: revoked
        s = p("R04", orders=LINE - 700)                              # the leap day completes the line
        self.sell(s[0], "2024-02-29", 700)
        s = p("R05", orders=LINE - 1_000, **revoked)                 # orders just outside the period
        self.sell(s[0], "2023-11-30", 5_000)
        self.sell(s[1], "2024-03-01", 5_000)
        s = p("R06", orders=30_000, **revoked)                       # a shop bound mid-period
        self.shop("R06-S3")
        self.bind("R06", "R06-S3", "2024-01-15")
        self.sell("R06-S3", "2024-01-10", 15_000)                    # before the binding: not attributed
        self.sell("R06-S3", "2024-02-10", 15_000)
        s = p("R07", orders=40_000, days=("2023-12-15", "2024-01-15"), unbound_on="2024-01-31", **revoked)
        self.sell(s[0], "2024-01-31", 10_000)                        # unbound_on itself is not bound
        self.sell(s[1], "2024-02-15", 10_000)
        # ---- the deposit (RENEW-2.2.2, AMB-R4) ------------------------------------------------------------
        p("R08", deposits=(("2023-03-01", "60000"), ("2024-02-29", "40000")))            # completed on 02-29: kept
        p("R09", deposits=(("2023-03-01", "60000"), ("2024-03-01", "40000")), **revoked)  # completed 03-01: revoked
        p("R10", deposits=(("2023-03-01", "120000"), ("2024-02-10", "-30000")), **revoked)  # refund inside: 90,000
        p("R11", deposits=(("2023-03-01", "100000"), ("2024-03-05", "-20000")))          # refund after the period
        p("R12", deposits=(("2023-03-01", "99999.99"),), **revoked)                     # one fen short
        p("R13", deposits=(), **revoked)                                                 # no deposit at all
        # ---- scope (RENEW-1) and who is assessed (RENEW-2.1a, AMB-R2, AMB-R3) -------------------------------
        p("R14", regularized="", orders=1_000)                       # certified, never formalized: manual review
        p("R15", regularized="2023-12-01", orders=1_000)             # formalized one day late
        p("R16", regularized="2023-11-30")                           # formalized on the last day: assessed, kept
        p("R17", certified="2023-12-01", regularized="2023-12-20", orders=0, deposits=())  # certified on 12-01: out of scope
        p("R18", certified="2023-11-30", regularized="2023-11-30")   # certified on the last day: in scope, kept
        p("R19", certified="2024-01-10", regularized="", orders=None, shops=0, deposits=())  # certified in 2024
        # ---- revocation consequences and the 90-day cool-down (RENEW-3.2, RENEW-3.5, AMB-R7, C-4) -----------
        p("R20", orders=20_000, **revoked)                           # re-applies in April, with explanation
        self.apply("R20", "2024-04-20")
        p("R21", orders=20_000, **revoked)                           # re-applies on day 90 (C-4: both conventions)
        self.apply("R21", "2024-06-02")
        p("R22", orders=20_000, **revoked)                           # re-applies on 06-03: depends on C-4
        self.apply("R22", "2024-06-03")
        p("R23", orders=20_000, **revoked)                           # re-applies on 06-04: after the cool-down
        self.apply("R23", "2024-06-04")
        p("R24", orders=20_000, **revoked)                           # re-applies without a special explanation
        self.apply("R24", "2024-06-20", explained=False)
        p("R25", orders=20_000, revoked="2024-03-05", delisted="2024-03-20")  # AMB-R7: notice date matters
        self.apply("R25", "2024-06-10")
        p("R26", orders=20_000)                                      # revoked, no revocation date recorded
        self.apply("R26", "2024-04-01")
        p("R27", orders=20_000, revoked="2024-03-05")                # revoked, no delisting notice yet
        p("R28", orders=20_000, **revoked)                           # applied twice: the latest counts
        self.apply("R28", "2024-04-01")
        self.apply("R28", "2024-06-15")
        p("R29")                                                     # kept; an earlier (2023) application only
        self.apply("R29", "2023-02-15")
        # ---- bindings that move, overlap, or are missing ----------------------------------------------------
        p("R30", orders=0, shops=0)                                  # no bound shop: revoked, no dates yet
        self.shop("MOVE-S1")                                         # a shop moves from R31 to R32 on 01-15
        self.bind("R31", "MOVE-S1", "2023-01-01", "2024-01-15")
        self.bind("R32", "MOVE-S1", "2024-01-15")
        p("R31", orders=20_000, shops=1)
        p("R32", orders=20_000, shops=1)
        for day, amount in (("2023-12-20", 20_000), ("2024-01-14", 10_000), ("2024-01-15", 10_000),
                            ("2024-02-20", 20_000)):
            self.sell("MOVE-S1", day, amount)
        s = p("R33", orders=30_000, shops=1, **revoked)              # two overlapping bindings of one shop
        self.bind("R33", s[0], "2023-06-01", "2024-02-01")
        # ---- big figures and bad rows ---------------------------------------------------------------------
        p("R34", orders=3_000_000_000, shops=1,                       # sums beyond 2^31: exact
          deposits=(("2023-03-01", "2500000000.50"),))
        p("R35", deposits=(("2023-03-01", "100000.001"),), **revoked)  # the deposit row is rejected
        s = p("R36", orders=LINE - 1_000, **revoked)                  # its last 1,000 orders are in a bad row
        self.sell(s[1], "2024-02-30", 1_000)                          # not a date: rejected
        self.sell(s[0], "2024-02-16", -5)                             # negative orders: rejected
        self.providers.append({"provider_id": "R37", "name": "R37 产业带服务商有限公司", "certified_on": "",
                               "regularized_on": "2023-06-01", "tier": "base", "revoked_on": "", "delisted_on": ""})
        self.bind("R36", s[1], "")                                    # a binding without bound_on: rejected
        # ---- revocations recorded whatever the period's figures (RENEW-3.5 scope, amended) -----------------
        p("R38", revoked="2024-04-01", delisted="2024-04-08")          # kept by its figures, revoked on record
        self.apply("R38", "2024-06-29")                               # day 90 from 04-01: not accepted
        p("R39", certified="2024-01-10", regularized="", orders=None, shops=0, deposits=(),  # not assessed at all
          revoked="2024-03-01", delisted="2024-03-05")
        self.apply("R39", "2024-05-30", explained=False)              # day 91 from 03-01: accepted, unexplained

    def write(self, root: Path) -> None:
        write_csv(root / "providers.csv", ["provider_id", "name", "certified_on", "regularized_on", "tier",
                                           "revoked_on", "delisted_on"], self.providers)
        write_csv(root / "provider_deposits.csv", ["provider_id", "paid_on", "amount_yuan"], self.deposits)
        write_csv(root / "provider_applications.csv", ["provider_id", "applied_on", "special_explanation"],
                  self.applications)
        write_csv(root / "bindings.csv", ["provider_id", "shop_id", "bound_on", "unbound_on"], self.bindings)
        write_csv(root / "shops.csv", ["shop_id", "name"], [{"shop_id": s, "name": f"店铺 {s}"} for s in self.shops])
        write_csv(root / "shop_daily.csv", ["shop_id", "date", "paid_orders", "gift_orders"], self.daily)
        (root / "params.json").write_text(json.dumps({"renewal_order_threshold": "5万"}, ensure_ascii=False, indent=2)
                                          + "\n", "utf-8")


def main(root: Path = HERE) -> None:
    renew = Renew()
    renew.build()
    renew.write(root / "renew")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
