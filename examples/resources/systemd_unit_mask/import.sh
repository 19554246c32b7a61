# The ID is NAME, HOST/NAME or HOST:PORT/NAME. Spell the host as the
# resource's `host` does: another spelling of the same address plans an
# in-place update of `host` (nothing changes on the host), another address a
# replacement.

# NAME: a mask on the provider's host; the resource sets no host.
terraform import systemd_unit_mask.cups cups.service

# HOST/NAME: the resource sets host = "web1.example.com" (provider's port).
terraform import systemd_unit_mask.web1_cups web1.example.com/cups.service

# HOST:PORT/NAME: the resource sets host = "web2.example.com:2222".
terraform import 'systemd_unit_mask.fleet["web2.example.com:2222/cups.service"]' web2.example.com:2222/cups.service

# The same from the configuration (Terraform 1.5 and later), then `terraform apply`:
#
#   import {
#     to = systemd_unit_mask.fleet["web2.example.com:2222/cups.service"]
#     id = "web2.example.com:2222/cups.service"
#   }
