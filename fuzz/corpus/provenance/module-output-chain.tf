//@ variables.tf
variable "encrypted" {}
//@ terraform.tfvars
# reviewgate:skip=RG-AWS-RDS-002 scratch
encrypted = false
//@ main.tf
module "db" {
  source    = "./modules/x"
  encrypted = var.encrypted
}

locals {
  copy = module.db.encrypted
}

resource "aws_db_instance" "replica" {
  storage_encrypted = local.copy
}
//@ modules/x/variables.tf
variable "encrypted" {
  type = bool
}
//@ modules/x/main.tf
locals {
  flag = var.encrypted
}

resource "aws_db_instance" "this" {
  storage_encrypted = local.flag
}
//@ modules/x/outputs.tf
# reviewgate:skip=RG-AWS-RDS-001 copies hold no data
output "encrypted" {
  value = local.flag
}
