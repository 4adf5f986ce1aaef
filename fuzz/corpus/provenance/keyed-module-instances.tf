//@ main.tf
variable "flags" {
  default = { a = false, b = true }
}

module "db" {
  source    = "./modules/db"
  for_each  = var.flags
  encrypted = each.value
}

module "counted" {
  source    = "./modules/db"
  count     = 2
  encrypted = count.index == 0
}

resource "aws_db_instance" "a" {
  storage_encrypted = module.db["a"].encrypted
}

resource "aws_db_instance" "zero" {
  storage_encrypted = module.counted[0].encrypted
}
//@ modules/db/main.tf
variable "encrypted" {}

resource "aws_db_instance" "this" {
  storage_encrypted = var.encrypted
}

output "encrypted" {
  value = var.encrypted
}
