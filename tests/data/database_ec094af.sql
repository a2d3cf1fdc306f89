BEGIN TRANSACTION;
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "_sqlite_migrations" VALUES(1,'mingbai.core','initial_tables','2026-12-02 04:49:43.116762+00:00');
INSERT INTO "_sqlite_migrations" VALUES(2,'mingbai.core','fragments','2026-12-02 04:49:43.117924+00:00');
INSERT INTO "_sqlite_migrations" VALUES(3,'mingbai.core','user_county','2026-12-02 04:49:43.118823+00:00');
INSERT INTO "_sqlite_migrations" VALUES(4,'mingbai.cases','initial_tables','2026-12-02 04:49:43.120833+00:00');
INSERT INTO "_sqlite_migrations" VALUES(5,'mingbai.cases','danger_kind','2026-12-02 04:49:43.121766+00:00');
INSERT INTO "_sqlite_migrations" VALUES(6,'mingbai.cases','county','2026-12-02 04:49:43.122620+00:00');
INSERT INTO "_sqlite_migrations" VALUES(7,'mingbai.cases','adviser_reads','2026-12-02 04:49:43.123397+00:00');
INSERT INTO "_sqlite_migrations" VALUES(8,'mingbai.cases','callback_numbers','2026-12-02 04:49:43.124063+00:00');
INSERT INTO "_sqlite_migrations" VALUES(9,'mingbai.telegram','initial_tables','2026-12-02 04:49:43.126134+00:00');
INSERT INTO "_sqlite_migrations" VALUES(10,'mingbai.telegram','bots','2026-12-02 04:49:43.130653+00:00');
INSERT INTO "_sqlite_migrations" VALUES(11,'mingbai.console','initial_tables','2026-12-02 04:49:43.132283+00:00');
INSERT INTO "_sqlite_migrations" VALUES(12,'mingbai.console','account_counties','2026-12-02 04:49:43.133223+00:00');
INSERT INTO "_sqlite_migrations" VALUES(13,'mingbai.console','unanswered_reviews','2026-12-02 04:49:43.134243+00:00');
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
CREATE TABLE "case_callbacks" (
   "case_id" INTEGER PRIMARY KEY,
   "phone" TEXT,
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
INSERT INTO "case_events" VALUES(1,1,'opened',NULL,'',NULL,NULL,'advisers','pending',0,NULL,1.7961869831359946728e+09,NULL);
CREATE TABLE "case_reads" (
   "adviser" TEXT,
   "case_id" INTEGER,
   "event_id" INTEGER,
   PRIMARY KEY ("adviser", "case_id")
);
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
, "danger" TEXT, "county" TEXT);
INSERT INTO "cases" VALUES(1,'web:last1','land.homestead',0,'waiting',NULL,1.79618698313552808756e+09,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,NULL,NULL);
CREATE TABLE "console_accounts" (
   "name" TEXT PRIMARY KEY,
   "role" TEXT,
   "password" TEXT,
   "created_at" REAL
, "counties" TEXT);
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
CREATE TABLE "fragments" (
   "id" INTEGER PRIMARY KEY,
   "user_key" TEXT,
   "message_key" TEXT,
   "text" TEXT,
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
INSERT INTO "messages" VALUES(1,'web:last1','in','邻居占了我家宅基地',NULL,NULL,NULL,1.7961869831349136829e+09);
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
   "update_id" INTEGER,
   "raw" TEXT,
   "status" TEXT,
   "created_at" REAL,
   "bot" TEXT NOT NULL DEFAULT '',
   PRIMARY KEY ("bot", "update_id")
);
INSERT INTO "telegram_inbox" VALUES(7,'{"update_id": 7, "message": {"text": "x"}}','pending',1.79618698313653969763e+09,'');
CREATE TABLE "telegram_outbox" (
   "id" INTEGER PRIMARY KEY,
   "chat_id" INTEGER,
   "thread_id" INTEGER,
   "payload" TEXT,
   "attempts" INTEGER DEFAULT 0,
   "uncertain" INTEGER DEFAULT 0,
   "next_try_at" REAL DEFAULT 0.0,
   "created_at" REAL
, "bot" TEXT NOT NULL DEFAULT '');
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
CREATE TABLE "unanswered_reviews" (
   "id" INTEGER PRIMARY KEY,
   "unanswered_id" INTEGER,
   "action" TEXT,
   "intent" TEXT,
   "example" TEXT,
   "by" TEXT,
   "at" REAL
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
, "county" TEXT);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX "idx_messages_user_key_id"
    ON "messages" ("user_key", "id");
CREATE INDEX "idx_fragments_user_key_id"
    ON "fragments" ("user_key", "id");
CREATE INDEX "idx_fragments_message_key"
    ON "fragments" ("message_key");
CREATE INDEX "idx_cases_user_key_status"
    ON "cases" ("user_key", "status");
CREATE INDEX "idx_case_events_destination_delivery"
    ON "case_events" ("destination", "delivery");
CREATE INDEX "idx_cases_county_status"
    ON "cases" ("county", "status");
CREATE INDEX "idx_telegram_outbox_chat_id_id"
    ON "telegram_outbox" ("chat_id", "id");
CREATE INDEX "idx_telegram_cases_chat_topic_id"
    ON "telegram_cases" ("chat", "topic_id");
CREATE INDEX "idx_telegram_posts_event_id"
    ON "telegram_posts" ("event_id");
CREATE INDEX "idx_telegram_posts_chat_message_id"
    ON "telegram_posts" ("chat", "message_id");
CREATE INDEX "idx_telegram_inbox_status_update_id"
    ON "telegram_inbox" ("status", "update_id");
CREATE INDEX "idx_telegram_inbox_bot_status_update_id"
    ON "telegram_inbox" ("bot", "status", "update_id");
CREATE INDEX "idx_telegram_outbox_bot_chat_id_id"
    ON "telegram_outbox" ("bot", "chat_id", "id");
CREATE INDEX "idx_unanswered_reviews_unanswered_id"
    ON "unanswered_reviews" ("unanswered_id");
COMMIT;
