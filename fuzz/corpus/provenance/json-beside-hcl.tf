//@ terraform.tfvars.json
{
  "encrypted": false
}
//@ main.tf.json
{
  "variable": {
    "encrypted": {"type": "bool"}
  },
  "locals": {
    "flag": "${var.encrypted}"
  },
  "module": {
    "db": {
      "source": "./modules/x",
      "encrypted": "${local.flag}"
    }
  },
  "resource": {
    "aws_db_instance": {
      "this": {
        "storage_encrypted": "${module.db.encrypted}"
      }
    }
  }
}
//@ modules/x/main.tf
variable "encrypted" {}

output "encrypted" {
  value = var.encrypted
}
