# No login prompt on the first two consoles: getty@tty1.service and
# getty@tty2.service.
resource "systemd_unit_mask" "getty" {
  for_each = toset(["tty1", "tty2"])
  name     = provider::systemd::instance_name("getty@.service", each.value)
}

# An instance string with characters that systemd escapes:
# backup@db\x2d1-daily.service.
resource "systemd_unit_mask" "backup" {
  name = provider::systemd::instance_name("backup@.service", "db-1/daily")
}

# A template whose instance is a path takes the path escaped as a path
# (systemd-escape --path --template): systemd-fsck@dev-disk-by\x2dlabel-data.service.
locals {
  data_disk = "/dev/disk/by-label/data"
}

resource "systemd_unit_mask" "fsck_data" {
  name = "systemd-fsck@${trimsuffix(provider::systemd::unit_name(local.data_disk, "service"), ".service")}.service"
}
