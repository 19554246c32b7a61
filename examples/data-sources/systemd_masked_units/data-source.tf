# Every masked system unit of a host, for an audit.
data "systemd_masked_units" "web1" {
  host = "web1.example.com:22"
}

output "masked_on_web1" {
  value = { for u in data.systemd_masked_units.web1.units : u.name => u.layer }
}

# The masks an administrator made (persistent or runtime, not a package's
# vendor masks) as `terraform import` IDs: HOST:PORT/NAME. Each imports into a
# systemd_unit_mask whose host is written the same way, "web1.example.com:22"
# (runtime = true for a runtime mask):
#
#   terraform import 'systemd_unit_mask.web1["cups.service"]' web1.example.com:22/cups.service
output "import_ids" {
  value = [
    for u in data.systemd_masked_units.web1.units : "${data.systemd_masked_units.web1.id}/${u.name}"
    if u.layer != "vendor"
  ]
}

# Terraform 1.7 and later (OpenTofu 1.7 and later) also take for_each in an
# import block: this adopts every such mask of web1 at the next apply, without
# changing the host. It is a one-off: afterwards, write the units out in
# local.web1_masks, or every mask made by hand later is adopted as well, and one
# removed by hand silently leaves the configuration.
locals {
  web1_masks = {
    for u in data.systemd_masked_units.web1.units : u.name => u
    if u.layer != "vendor"
  }
}

import {
  for_each = local.web1_masks
  to       = systemd_unit_mask.web1[each.key]
  id       = "${data.systemd_masked_units.web1.id}/${each.key}"
}

resource "systemd_unit_mask" "web1" {
  for_each = local.web1_masks

  host    = "web1.example.com:22"
  name    = each.key
  runtime = each.value.layer == "runtime"
}

# The login user's own masked units (systemctl --user), and those of every
# user (systemctl --global).
data "systemd_masked_units" "mine" {
  scope = "user"
}

data "systemd_masked_units" "everyone" {
  scope = "global"
}
