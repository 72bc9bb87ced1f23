"""A bundle's container parameters are those Pacemaker derives (its recorded digests)."""

from __future__ import annotations

from buttress.model.resources import Bundle, BundleNetwork, PortMapping, Primitive, StorageMapping
from buttress.scheduler.bundle import replica_address
from buttress.scheduler.bundle_params import container_params


def _bundle(container: str, options: str | None) -> Bundle:
    return Bundle(
        id="httpd-bundle", container=container, image="pcmktest:http", replicas=2,
        options=options,
        child=Primitive(id="httpd", rsc_class="ocf", provider="heartbeat", type="apache"),
        network=BundleNetwork(ip_range_start="192.168.20.188", control_port=None,
                              port_mappings=(PortMapping(id="p", port="80"),)),
        storage=(StorageMapping(id="s", source_dir_root="/var/local/containers",
                                target_dir="/var/www/html", options="rw"),))


def test_docker_replica_with_address_options_and_hosts() -> None:
    bundle = _bundle("docker", "--log-driver=journald")
    addresses = [replica_address(bundle, i) for i in range(2)]
    params = container_params(bundle, 1, addresses)
    assert params["run_opts"] == (
        " --restart=no -h httpd-bundle-1 -e PCMK_stderr=1 -e PCMK_remote_port=3121"
        " -v /var/local/containers/httpd-bundle-1:/var/www/html:rw"
        " -v /etc/pacemaker/authkey:/etc/pacemaker/authkey"
        " -v /var/log/pacemaker/bundles/httpd-bundle-1:/var/log"
        " -p 192.168.20.189:80:80 -p 192.168.20.189:3121:3121 --log-driver=journald "
        " --add-host=httpd-bundle-0:192.168.20.188 --add-host=httpd-bundle-1:192.168.20.189")
    assert params["mount_points"] == ("/var/local/containers/httpd-bundle-1,"
                                      "/var/log/pacemaker/bundles/httpd-bundle-1")
    assert params["run_cmd"] == "/usr/sbin/pacemaker-remoted"
    assert (params["allow_pull"], params["force_kill"], params["reuse"]) == (
        "true", "false", "false")


def test_podman_on_the_host_network_without_addresses() -> None:
    bundle = Bundle(id="haproxy-bundle", container="podman", image="img", replicas=1,
                    network_mode="host", options="--user=root", run_command="/bin/run")
    params = container_params(bundle, 0, [None])
    assert params["run_opts"] == (" -e PCMK_stderr=1 --net=host -e PCMK_remote_port=3121"
                                  " --user=root ")
    assert params["mount_points"] == "" and params["run_cmd"] == "/bin/run"
