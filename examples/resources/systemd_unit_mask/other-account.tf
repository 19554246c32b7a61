# The provider logs in as root (or uses sudo); podman's account lingers
# (loginctl enable-linger podman), so its user manager runs from boot.
resource "systemd_unit_mask" "podman_auto_update" {
  name  = "podman-auto-update.timer"
  scope = "user"
  user  = "podman"
}
