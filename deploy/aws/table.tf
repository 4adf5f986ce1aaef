# The table exactly as the DynamoDB store creates it (backend-lambda/src/store/
# table.rs: keys, indexes and projections), plus what only a deployment turns on:
# the TTL on the attribute finished events carry, point-in-time recovery, the
# customer key, and the stream the event processor and the AI reviewer are
# triggered by. tests/integration/deploy_aws/ compares the two.
resource "aws_dynamodb_table" "reviews" {
  name                        = "${var.name_prefix}-reviews"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = true

  stream_enabled   = true
  stream_view_type = "KEYS_ONLY"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  attribute {
    name = "time_sk"
    type = "S"
  }
  attribute {
    name = "all_pk"
    type = "S"
  }
  attribute {
    name = "repo_pk"
    type = "S"
  }
  attribute {
    name = "stack_pk"
    type = "S"
  }
  attribute {
    name = "status_pk"
    type = "S"
  }
  attribute {
    name = "risk_pk"
    type = "S"
  }
  attribute {
    name = "pending_pk"
    type = "S"
  }
  attribute {
    name = "day_pk"
    type = "S"
  }

  global_secondary_index {
    name               = "by_time"
    hash_key           = "all_pk"
    range_key          = "time_sk"
    projection_type    = "INCLUDE"
    non_key_attributes = local.index_projection
  }
  global_secondary_index {
    name               = "by_repository"
    hash_key           = "repo_pk"
    range_key          = "time_sk"
    projection_type    = "INCLUDE"
    non_key_attributes = local.index_projection
  }
  global_secondary_index {
    name               = "by_stack"
    hash_key           = "stack_pk"
    range_key          = "time_sk"
    projection_type    = "INCLUDE"
    non_key_attributes = local.index_projection
  }
  global_secondary_index {
    name               = "by_status"
    hash_key           = "status_pk"
    range_key          = "time_sk"
    projection_type    = "INCLUDE"
    non_key_attributes = local.index_projection
  }
  global_secondary_index {
    name               = "by_risk"
    hash_key           = "risk_pk"
    range_key          = "time_sk"
    projection_type    = "INCLUDE"
    non_key_attributes = local.index_projection
  }
  global_secondary_index {
    name               = "by_pending"
    hash_key           = "pending_pk"
    range_key          = "time_sk"
    projection_type    = "INCLUDE"
    non_key_attributes = local.index_projection
  }
  global_secondary_index {
    name               = "by_day"
    hash_key           = "day_pk"
    range_key          = "time_sk"
    projection_type    = "INCLUDE"
    non_key_attributes = local.index_projection
  }

  # Finished events expire a week after they finish; nothing else carries it.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }

  tags = local.tags
}
