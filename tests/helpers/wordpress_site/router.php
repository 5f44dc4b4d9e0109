<?php
// The router of `php -S`: static files of the WordPress tree as they are, every other request
// to WordPress (front pages and /wp-json/ alike), as index.php would send it.
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$root = getenv('BYLINE_WP_ROOT') ?: '/usr/share/wordpress';
if ($path !== '/' && !str_ends_with($path, '.php') && is_file($root . $path)) {
    return false;
}
require __DIR__ . '/config.php';
define('WP_USE_THEMES', true);
require ABSPATH . 'wp-settings.php';
wp();
require ABSPATH . WPINC . '/template-loader.php';
