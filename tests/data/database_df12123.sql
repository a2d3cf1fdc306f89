BEGIN TRANSACTION;
CREATE TABLE "advisers" (
   "id" TEXT PRIMARY KEY,
   "display_name" TEXT
);
CREATE TABLE "blocked" (
   "user_key" TEXT PRIMARY KEY,
   "blocked_by" TEXT,
   "told" INTEGER,
   "created_at" REAL
);
CREATE TABLE "case_events" (
   "id" INTEGER PRIMARY KEY,
   "case_id" INTEGER,
   "kind" TEXT,
   "author" TEXT,
   "text" TEXT,
   "media_kind" TEXT,
   "media_ref" TEXT,
   "destination" TEXT,
   "delivery" TEXT,
   "attempts" INTEGER DEFAULT 0,
   "last_error" TEXT,
   "created_at" REAL,
   "delivered_at" REAL
);
INSERT INTO "case_events" VALUES(1,1,'opened',NULL,'',NULL,NULL,'advisers','pending',0,NULL,1.79616188535735392568e+09,NULL);
INSERT INTO "case_events" VALUES(2,1,'villager',NULL,'还在吗',NULL,NULL,'advisers','pending',0,NULL,1.79616188536228585242e+09,NULL);
CREATE TABLE "cases" (
   "id" INTEGER PRIMARY KEY,
   "user_key" TEXT,
   "intent" TEXT,
   "urgent" INTEGER,
   "status" TEXT,
   "adviser" TEXT,
   "created_at" REAL,
   "claimed_at" REAL,
   "closed_at" REAL,
   "summary" TEXT,
   "rating" INTEGER,
   "rating_comment" TEXT,
   "topic_chat" TEXT,
   "topic_id" INTEGER,
   "card_message_id" INTEGER,
   "reminded" INTEGER DEFAULT 0
);
INSERT INTO "cases" VALUES(1,'web:old1','labor.wage',0,'waiting',NULL,1.79616188535671424866e+09,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0);
CREATE TABLE "console_accounts" (
   "name" TEXT PRIMARY KEY,
   "role" TEXT,
   "password" TEXT,
   "created_at" REAL
);
CREATE TABLE "console_sessions" (
   "token" TEXT PRIMARY KEY,
   "name" TEXT,
   "created_at" REAL,
   "expires_at" REAL
);
CREATE TABLE "feedback" (
   "id" INTEGER PRIMARY KEY,
   "user_key" TEXT,
   "intent" TEXT,
   "helpful" INTEGER,
   "created_at" REAL
);
CREATE TABLE "messages" (
   "id" INTEGER PRIMARY KEY,
   "user_key" TEXT,
   "direction" TEXT,
   "text" TEXT,
   "intent" TEXT,
   "score" REAL,
   "decision" TEXT,
   "created_at" REAL
);
INSERT INTO "messages" VALUES(1,'web:old1','in','老板欠我工钱','labor.wage',0.9,'answer',1.79616188535598278038e+09);
CREATE TABLE "processed" (
   "key" TEXT PRIMARY KEY,
   "user_key" TEXT,
   "created_at" REAL
);
CREATE TABLE "telegram_cases" (
   "case_id" INTEGER PRIMARY KEY,
   "chat" INTEGER,
   "topic_id" INTEGER,
   "card_message_id" INTEGER,
   "card" TEXT,
   "topic_name" TEXT,
   "queued" INTEGER DEFAULT 0,
   "topic_closed" INTEGER DEFAULT 0
);
CREATE TABLE "telegram_inbox" (
   "update_id" INTEGER PRIMARY KEY,
   "raw" TEXT,
   "status" TEXT,
   "created_at" REAL
);
CREATE TABLE "telegram_outbox" (
   "id" INTEGER PRIMARY KEY,
   "chat_id" INTEGER,
   "thread_id" INTEGER,
   "payload" TEXT,
   "attempts" INTEGER DEFAULT 0,
   "uncertain" INTEGER DEFAULT 0,
   "next_try_at" REAL DEFAULT 0.0,
   "created_at" REAL
);
CREATE TABLE "telegram_posts" (
   "id" INTEGER PRIMARY KEY,
   "case_id" INTEGER,
   "event_id" INTEGER,
   "chat" INTEGER,
   "message_id" INTEGER
);
CREATE TABLE "unanswered" (
   "id" INTEGER PRIMARY KEY,
   "user_key" TEXT,
   "text" TEXT,
   "best_intent" TEXT,
   "score" REAL,
   "reason" TEXT,
   "created_at" REAL
);
CREATE TABLE "users" (
   "key" TEXT PRIMARY KEY,
   "platform" TEXT,
   "lang" TEXT,
   "last_intent" TEXT,
   "fallback_streak" INTEGER DEFAULT 0,
   "awaiting" TEXT,
   "flow" TEXT,
   "place" TEXT,
   "extra" TEXT,
   "created_at" REAL,
   "updated_at" REAL
);
INSERT INTO "users" VALUES('web:old1','web','zh',NULL,0,NULL,NULL,NULL,NULL,1.79616188535475397114e+09,1.79616188535475397114e+09);
CREATE INDEX "idx_messages_user_key_id"
    ON "messages" ("user_key", "id");
CREATE INDEX "idx_cases_user_key_status"
    ON "cases" ("user_key", "status");
CREATE INDEX "idx_case_events_destination_delivery"
    ON "case_events" ("destination", "delivery");
CREATE INDEX "idx_telegram_outbox_chat_id_id"
    ON "telegram_outbox" ("chat_id", "id");
CREATE INDEX "idx_telegram_inbox_status_update_id"
    ON "telegram_inbox" ("status", "update_id");
CREATE INDEX "idx_telegram_cases_chat_topic_id"
    ON "telegram_cases" ("chat", "topic_id");
CREATE INDEX "idx_telegram_posts_event_id"
    ON "telegram_posts" ("event_id");
CREATE INDEX "idx_telegram_posts_chat_message_id"
    ON "telegram_posts" ("chat", "message_id");
COMMIT;