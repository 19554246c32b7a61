# Terraform 1.12 and later (OpenTofu 1.12 too): an import block may name the
# mask by its identity instead of an import ID. host is the host alone; port,
# scope and user default to the provider's port, "system" and the provider's
# login user.
import {
  to = systemd_unit_mask.cups
  identity = {
    host  = "web1.example.com"
    port  = 22
    scope = "system"
    name  = "cups.service"
  }
}

# A user unit's mask: user is the provider's login user, the only one its
# user units can be managed as.
import {
  to = systemd_unit_mask.tracker
  identity = {
    host  = "web1.example.com"
    port  = 22
    scope = "user"
    user  = "deploy"
    name  = "tracker-miner-fs-3.service"
  }
}
