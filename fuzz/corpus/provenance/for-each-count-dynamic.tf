//@ variables.tf
variable "dbs" {}
variable "rules" {}
variable "settings" {
  default = [false, true]
}
//@ terraform.tfvars
dbs = {
  main = { encrypted = false }
}
rules = [{ sse_algorithm = "AES256", ports = [22], cidrs = ["0.0.0.0/0"] }]
//@ main.tf
resource "aws_db_instance" "this" {
  for_each          = var.dbs
  identifier        = each.key
  storage_encrypted = each.value.encrypted
}

resource "aws_db_instance" "counted" {
  count             = length(var.settings)
  storage_encrypted = var.settings[count.index]
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = "b"
  rule {
    bucket_key_enabled = true
  }
  dynamic "rule" {
    for_each = var.rules
    content {
      apply_server_side_encryption_by_default {
        sse_algorithm = rule.value.sse_algorithm
      }
    }
  }
}

resource "aws_security_group" "web" {
  description = "web"
  dynamic "ingress" {
    for_each = var.rules
    iterator = r
    content {
      description = "x"
      from_port   = r.value.ports[0]
      to_port     = r.value.ports[0]
      protocol    = "tcp"
      cidr_blocks = r.value.cidrs
      dynamic "inner" {
        for_each = r.value.ports
        content {
          port = inner.value
        }
      }
    }
  }
}
