variable "db_password" {
  default = "Zx9!rT4#pQ2vLm8w"
}

resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:access logs go to a central account
  bucket = "acme-${var.env}-logs"
  tags   = { for k, v in local.tags : k => upper(v) }

  dynamic "grant" {
    for_each = var.grants
    content {
      id          = grant.value.id
      permissions = ["READ"]
    }
  }
}
