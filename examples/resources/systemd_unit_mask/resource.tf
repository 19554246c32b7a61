# A persistent mask on the provider's host: /etc/systemd/system/cups.service
# links to /dev/null, so nothing can start cups, not even socket activation.
resource "systemd_unit_mask" "cups" {
  name = "cups.service"
}

# A runtime mask, in /run/systemd/system: gone at the next reboot, after which
# the next plan puts it back.
resource "systemd_unit_mask" "packagekit" {
  name    = "packagekit.service"
  runtime = true
}

# Mask and stop at once (systemctl mask --now): the unit stops if it runs.
resource "systemd_unit_mask" "bluetooth" {
  name = "bluetooth.service"
  stop = true
}

# A unit of the login user's own manager (systemctl --user), and one masked
# for every user's manager (systemctl --global).
resource "systemd_unit_mask" "tracker" {
  name  = "tracker-miner-fs-3.service"
  scope = "user"
}

resource "systemd_unit_mask" "pulseaudio_everyone" {
  name  = "pulseaudio.socket"
  scope = "global"
}

# One instance of a template unit: no login prompt on the first console.
resource "systemd_unit_mask" "getty_tty1" {
  name = "getty@tty1.service"
}

# Every unit on every host. Each mask names its host as HOST:PORT; user and
# credentials come from the provider. The keys spell the resource IDs.
locals {
  hosts = ["web1.example.com:22", "web2.example.com:2222"]
  units = ["cups.service", "cups.socket", "avahi-daemon.service", "avahi-daemon.socket"]
}

resource "systemd_unit_mask" "fleet" {
  for_each = {
    for pair in setproduct(local.hosts, local.units) : "${pair[0]}/${pair[1]}" => {
      host = pair[0]
      name = pair[1]
    }
  }

  host = each.value.host
  name = each.value.name
}
