# The state of a unit on the provider's host.
data "systemd_unit" "cron" {
  name = "cron.service"
}

# Fail the plan when a unit that must stay off can still be started.
data "systemd_unit" "telnet" {
  name = "telnet.socket"

  lifecycle {
    postcondition {
      condition     = contains(["masked", "not-found"], self.load_state)
      error_message = "telnet.socket is installed and not masked on this host."
    }
  }
}

# A unit of another host, and a user unit of every user (systemctl --global).
data "systemd_unit" "web2_cups" {
  host = "web2.example.com:2222"
  name = "cups.service"
}

data "systemd_unit" "pulseaudio_everyone" {
  name  = "pulseaudio.socket"
  scope = "global"
}

output "cron" {
  value = "${data.systemd_unit.cron.active_state} (${data.systemd_unit.cron.unit_file_state}), from ${data.systemd_unit.cron.fragment_path}"
}

# e.g. ["vendor"] for Debian's sudo.service, ["persistent", "runtime"] for a
# unit masked twice.
output "cups_mask_layers" {
  value = data.systemd_unit.web2_cups.mask_layers
}
