import {
  to = systemd_unit_mask.cups
  id = "cups.service"
}

import {
  to = systemd_unit_mask.fleet["web2.example.com:2222/cups.service"]
  id = "web2.example.com:2222/cups.service"
}
