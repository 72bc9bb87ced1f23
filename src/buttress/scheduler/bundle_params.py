"""The parameters of a bundle's implicit container resources, as Pacemaker derives them.

They are what the container agent (``ocf:heartbeat:docker``/``podman``) is started with, so
what the recorded operation digests were computed from; a change of the bundle's definition
(storage, options, replica count, ...) shows as a changed digest and restarts the container.
Observed with Pacemaker 2.1.5:

- ``run_opts``: `` --restart=no`` (docker only), `` -h <guest>`` (with its own address on a
  bridged network), `` -e PCMK_stderr=1``, `` --net=<network>``, `` -e PCMK_remote_port=<control
  port, 3121 by default>``, a `` -v source:target[:options]`` per storage mapping (a
  ``source-dir-root`` mapping mounts the replica's own subdirectory), for a bundle with a
  primitive the authentication key and the replica's log directory, a `` -p`` per port
  mapping (and the control port) on the replica's address, `` <options>``, a space, then
  `` --add-host=<guest>:<address>`` for every replica when the replicas have addresses;
- ``mount_points``: the directories created for the replica (its ``source-dir-root``
  subdirectories and log directory), comma separated;
- ``run_cmd``: the configured run command, else ``/usr/sbin/pacemaker-remoted`` for a
  bundle with a primitive;
- ``allow_pull=true``, ``force_kill=false``, ``reuse=false``, ``monitor_cmd=/bin/true``.
"""

from __future__ import annotations

from buttress.model.resources import Bundle

DEFAULT_CONTROL_PORT = "3121"
LOG_ROOT = "/var/log/pacemaker/bundles"
AUTHKEY = "/etc/pacemaker/authkey"


def guest_name(bundle: Bundle, index: int) -> str:
    return f"{bundle.id}-{index}"


def container_params(bundle: Bundle, index: int, addresses: list[str | None]
                     ) -> dict[str, str]:
    """Replica ``index``'s container parameters; ``addresses`` holds every replica's IP."""
    name = guest_name(bundle, index)
    address = addresses[index] if index < len(addresses) else None
    net = bundle.network
    port = (net.control_port if net is not None and net.control_port else None) \
        or DEFAULT_CONTROL_PORT
    opts: list[str] = []
    if bundle.container == "docker":
        opts.append(" --restart=no")
    if address is not None and bundle.network_mode != "host":
        opts.append(f" -h {name}")
    opts.append(" -e PCMK_stderr=1")
    if bundle.network_mode:
        opts.append(f" --net={bundle.network_mode}")
    opts.append(f" -e PCMK_remote_port={port}")
    mounts: list[str] = []
    for mapping in bundle.storage:
        if mapping.source_dir_root:
            source = f"{mapping.source_dir_root}/{name}"
            mounts.append(source)
        else:
            source = mapping.source_dir or ""
        suffix = f":{mapping.options}" if mapping.options else ""
        opts.append(f" -v {source}:{mapping.target_dir}{suffix}")
    if bundle.child is not None:
        log_dir = f"{LOG_ROOT}/{name}"
        opts.append(f" -v {AUTHKEY}:{AUTHKEY}")
        opts.append(f" -v {log_dir}:/var/log")
        mounts.append(log_dir)
    if net is not None:
        for ports in net.port_mappings:
            target = ports.internal_port or ports.port
            where = f"{address}:" if address is not None else ""
            if ports.range:
                opts.append(f" -p {where}{ports.range}")
            elif ports.port:
                opts.append(f" -p {where}{ports.port}:{target}")
        if address is not None and bundle.child is not None:
            opts.append(f" -p {address}:{port}:{port}")
    if bundle.options:
        opts.append(f" {bundle.options}")
    opts.append(" ")
    if net is not None and net.add_host and any(a is not None for a in addresses):
        for other, other_address in enumerate(addresses):
            if other_address is not None:
                opts.append(f" --add-host={guest_name(bundle, other)}:{other_address}")
    params = {"allow_pull": "true",
              "force_kill": "false", "reuse": "false", "monitor_cmd": "/bin/true",
              "mount_points": ",".join(mounts), "run_opts": "".join(opts)}
    if bundle.image:
        params["image"] = bundle.image
    if bundle.run_command:
        params["run_cmd"] = bundle.run_command
    elif bundle.child is not None:
        params["run_cmd"] = "/usr/sbin/pacemaker-remoted"
    return params
