-- What a moderator wrote to a member about their post ('moderation' notifications: a
-- held post not published, or a reported post removed), shown with the notification.
ALTER TABLE notifications ADD COLUMN note TEXT NOT NULL DEFAULT '';
