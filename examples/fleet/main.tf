# Masks the same units on a fleet of hosts: one systemd_unit_mask per
# host and unit. See README.md.

terraform {
  required_version = ">= 1.5"

  required_providers {
    systemd = {
      source = "systemd-tf/systemd"
    }
  }
}

variable "hosts" {
  description = "Hosts to mask the units on, each \"HOST:PORT\" (IPv6 in brackets: \"[2001:db8::1]:22\")."
  type        = list(string)

  validation {
    condition     = alltrue([for h in var.hosts : can(regex("^(\\[[0-9A-Fa-f:.]+\\]|[^:/\\[\\]]+):[0-9]+$", h))])
    error_message = "Write each host as HOST:PORT, e.g. \"web1.example.com:22\" or \"[2001:db8::1]:22\"."
  }
}

variable "units" {
  description = "Units to mask on every host, each written in full with its type suffix (\"cups.service\", not \"cups\")."
  type        = list(string)
  default     = ["cups.service", "cups.socket", "cups.path"]
}

variable "ssh_user" {
  description = "User to log in as; any user but root needs ssh_sudo."
  type        = string
  default     = "root"
}

variable "ssh_private_key_path" {
  description = "Path of the private key to log in with."
  type        = string
  default     = "~/.ssh/id_ed25519"
}

variable "ssh_sudo" {
  description = "Run systemctl through passwordless sudo (sudo -n)."
  type        = bool
  default     = false
}

# Host keys are checked against ~/.ssh/known_hosts.
provider "systemd" {
  user        = var.ssh_user
  private_key = file(var.ssh_private_key_path)
  sudo        = var.ssh_sudo
}

resource "systemd_unit_mask" "this" {
  for_each = {
    for pair in setproduct(var.hosts, var.units) : "${pair[0]}/${pair[1]}" => {
      host = pair[0]
      name = pair[1]
    }
  }

  host = each.value.host
  name = each.value.name
}

output "mask_ids" {
  description = "IDs of the masks, HOST:PORT/NAME."
  value       = sort([for mask in systemd_unit_mask.this : mask.id])
}
