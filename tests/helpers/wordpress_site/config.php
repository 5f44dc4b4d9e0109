<?php
// WordPress settings of one scratch test site, read from the environment that
// tests/helpers/wordpress.py sets (the Debian package's own wp-config.php is bypassed: it
// would read /etc/wordpress).
define('DB_NAME', getenv('BYLINE_WP_DB_NAME'));
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', getenv('BYLINE_WP_DB_HOST') ?: '127.0.0.1:3306');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_HOME', getenv('BYLINE_WP_URL'));
define('WP_SITEURL', getenv('BYLINE_WP_URL'));
define('ABSPATH', (getenv('BYLINE_WP_ROOT') ?: '/usr/share/wordpress') . '/');
define('WP_CONTENT_DIR', ABSPATH . 'wp-content');
// Application Passwords work over http only on a "local" site.
define('WP_ENVIRONMENT_TYPE', 'local');
// PHP's built-in server answers one request at a time: WordPress's loopback requests (cron,
// site health) would wait on themselves.
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_DEBUG', false);
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT',
          'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as $name) {
    define($name, 'byline-test-' . $name . '-' . DB_NAME);
}
$table_prefix = 'wp_';
