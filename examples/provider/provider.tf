# Connect as root with a key; the host's key must already be in known_hosts
# (check its fingerprint, then `ssh-keyscan web1.example.com >> ~/.ssh/known_hosts`).
provider "systemd" {
  host             = "web1.example.com"
  user             = "root"
  private_key      = file("~/.ssh/id_ed25519")
  known_hosts_file = "~/.ssh/known_hosts"

  # Any other user needs sudo to change system units: with user = "deploy",
  # systemctl then runs through `sudo -n` (sudo_password for `sudo -S`).
  # sudo = true

  # Hosts that trust a user CA: log in with the key's OpenSSH certificate.
  # certificate = file("~/.ssh/id_ed25519-cert.pub")

  # Hosts reachable only through a jump host: every connection is tunnelled
  # through it (as `ssh -J`). user, private_key, password and
  # known_hosts_file default to the provider's own.
  # bastion {
  #   host = "bastion.example.com"
  #   port = 22
  #   user = "jump"
  # }
}
