# What starts the event processor, the AI reviewer and the aggregator, and where
# what failed every retry is kept.

# Scheduled and asynchronous invocations that failed every retry (the schedules'
# dead-letter queue and the functions' own).
resource "aws_sqs_queue" "dead_letters" {
  name                              = "${var.name_prefix}-dead-letters"
  message_retention_seconds         = 1209600 # 14 days, SQS's longest
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 3600
  tags                              = local.tags
}

# Stream batches a function failed on every retry (records of the batch, not
# the items: the table still holds them).
resource "aws_sqs_queue" "stream_failures" {
  name                              = "${var.name_prefix}-stream-failures"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 3600
  tags                              = local.tags
}

# New EVENT# items wake the event processor within seconds of intake; the records
# say nothing it reads (it processes what is pending in the table).
resource "aws_lambda_event_source_mapping" "event_processor_stream" {
  event_source_arn                   = aws_dynamodb_table.reviews.stream_arn
  function_name                      = aws_lambda_function.event_processor.arn
  starting_position                  = "LATEST"
  batch_size                         = 100
  maximum_batching_window_in_seconds = 1
  maximum_retry_attempts             = 2
  maximum_record_age_in_seconds      = 3600

  filter_criteria {
    filter {
      pattern = jsonencode({
        eventName = ["INSERT"]
        dynamodb  = { Keys = { pk = { S = [{ prefix = "EVENT#" }] } } }
      })
    }
  }

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.stream_failures.arn
    }
  }
}

# New version-1 items start the AI review (llm::review_ids_to_review reads the
# same keys; the AI's own version 2 must not start another).
resource "aws_lambda_event_source_mapping" "ai_reviewer_stream" {
  count = var.ai_enabled ? 1 : 0

  event_source_arn                   = aws_dynamodb_table.reviews.stream_arn
  function_name                      = aws_lambda_function.ai_reviewer[0].arn
  starting_position                  = "LATEST"
  batch_size                         = 10
  maximum_batching_window_in_seconds = 5
  maximum_retry_attempts             = 3
  maximum_record_age_in_seconds      = 21600
  bisect_batch_on_function_error     = true

  filter_criteria {
    filter {
      pattern = jsonencode({
        eventName = ["INSERT"]
        dynamodb  = { Keys = { sk = { S = ["VERSION#0000000001"] } } }
      })
    }
  }

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.stream_failures.arn
    }
  }
}

# Yesterday's analytics (src/bin/aggregator.rs); re-running a day replaces it, so
# retries are harmless.
resource "aws_scheduler_schedule" "aggregate_daily" {
  name                         = "${var.name_prefix}-aggregate-daily"
  description                  = "reviewgate: yesterday's analytics aggregates"
  schedule_expression          = "cron(0 2 * * ? *)"
  schedule_expression_timezone = "UTC"
  kms_key_arn                  = local.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.aggregator.arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({})

    retry_policy {
      maximum_event_age_in_seconds = 21600
      maximum_retry_attempts       = 10
    }

    dead_letter_config {
      arn = aws_sqs_queue.dead_letters.arn
    }
  }
}

# Events deferred after a failed attempt are due again after 4 s doubling to
# 256 s; nothing on the stream says so, so the processor also runs every minute.
# A missed minute is covered by the next, hence the short event age.
resource "aws_scheduler_schedule" "process_deferred_events" {
  name                         = "${var.name_prefix}-process-deferred-events"
  description                  = "reviewgate: events deferred after a failed attempt"
  schedule_expression          = "rate(1 minute)"
  schedule_expression_timezone = "UTC"
  kms_key_arn                  = local.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.event_processor.arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({})

    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 1
    }

    dead_letter_config {
      arn = aws_sqs_queue.dead_letters.arn
    }
  }
}
