# The module's own key, unless the caller brings one (var.kms_key_arn): the table,
# logs, queues, alarm topic, secrets and function environments are encrypted with it.
resource "aws_kms_key" "reviewgate" {
  count = var.kms_key_arn == null ? 1 : 0

  description             = "${var.name_prefix}: reviewgate's table, logs, queues, alarms, secrets and function environments"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key[0].json
  tags                    = local.tags
}

resource "aws_kms_alias" "reviewgate" {
  count = var.kms_key_arn == null ? 1 : 0

  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.reviewgate[0].key_id
}

data "aws_iam_policy_document" "key" {
  count = var.kms_key_arn == null ? 1 : 0

  # The account administers and uses its key through IAM, as in KMS's default key
  # policy: without this statement no one could ever manage the key again. In a
  # key policy the resource "*" means this key (KMS requires it).
  statement {
    sid       = "AccountAdministersThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts the module's log groups, and only those.
  statement {
    sid       = "LogsEncryptTheModulesLogGroups"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = [
        "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${var.name_prefix}-*",
        "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/apigateway/${var.name_prefix}",
      ]
    }
  }

  # CloudWatch alarms publish to the encrypted alarm topic.
  statement {
    sid       = "AlarmsPublishToTheTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}
