"""An evacuation engine in its own process (a controller the tests can SIGKILL).

usage: engine_proc.py CONFIG_JSON
CONFIG_JSON: {"auth": {...}, "journal": DIR, "host": H, "fenced_at": T,
              "max_parallel": N, "poll_interval": S}
Prints the report as JSON on its last line when it finishes.
"""

from __future__ import annotations

import asyncio
import json
import sys

from buttress.openstack import (
    EvacuationConfig,
    EvacuationEngine,
    EventLog,
    FenceEvent,
    FileJournal,
    NovaCredentials,
    SdkNova,
)


async def main(cfg: dict[str, object]) -> None:
    creds = NovaCredentials(auth=cfg["auth"], region_name="RegionOne")  # type: ignore[arg-type]
    config = EvacuationConfig(max_parallel=int(cfg["max_parallel"]),  # type: ignore[call-overload]
                              poll_interval_s=float(cfg["poll_interval"]))  # type: ignore[arg-type]
    async with EvacuationEngine(SdkNova(creds), FileJournal(str(cfg["journal"])), config,
                                events=EventLog()) as engine:
        report = await engine.recover(FenceEvent(str(cfg["host"]),
                                                 float(cfg["fenced_at"])))  # type: ignore[arg-type]
    print(json.dumps(report.to_json()))


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
