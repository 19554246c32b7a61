# The mount unit of a mount point, masked so that nothing mounts it:
# var-lib-my\x2ddata.mount, spelled by systemd's rules rather than by hand.
resource "systemd_unit_mask" "data_mount" {
  name = provider::systemd::unit_name("/var/lib/my-data", "mount")
}

# The automount unit of /home, and the swap unit of every swap file.
resource "systemd_unit_mask" "home_automount" {
  name = provider::systemd::unit_name("/home", "automount") # home.automount
}

resource "systemd_unit_mask" "swap" {
  for_each = toset(["/swapfile", "/var/swap/extra"])
  name     = provider::systemd::unit_name(each.value, "swap") # swapfile.swap, var-swap-extra.swap
}

output "root_mount" {
  value = provider::systemd::unit_name("/", "mount") # "-.mount"
}
