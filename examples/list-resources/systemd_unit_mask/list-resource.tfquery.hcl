# Terraform 1.14 and later, in a file ending in .tfquery.hcl: `terraform query`
# lists the masks on a host that a systemd_unit_mask can manage, and
# `terraform query -generate-config-out=masks.tf` writes a resource and an
# import block for each, for `terraform apply` to import.

# The provider's host, system units (the defaults), with each mask's
# attributes, which generating configuration needs.
list "systemd_unit_mask" "web1" {
  provider         = systemd
  include_resource = true
}

# Another host, on another port: the global user units (systemctl --global).
list "systemd_unit_mask" "web2_global" {
  provider         = systemd
  include_resource = true

  config {
    host  = "web2.example.com:2222"
    scope = "global"
  }
}
