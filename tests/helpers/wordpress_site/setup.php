<?php
// Installs a scratch WordPress site into an empty database and prints, as JSON, the accounts
// the tests use, each with an Application Password. Run by tests/helpers/wordpress.py:
//   php setup.php   (with the BYLINE_WP_* environment of config.php)
$mysqli = new mysqli('127.0.0.1', 'root', '', '', 3306);
$db = getenv('BYLINE_WP_DB_NAME');
if (!preg_match('/^[a-z0-9_]+$/', $db)) {
    fwrite(STDERR, "bad database name\n");
    exit(2);
}
$mysqli->query("CREATE DATABASE `$db` CHARACTER SET utf8mb4");
$mysqli->close();

$_SERVER['HTTP_HOST'] = parse_url(getenv('BYLINE_WP_URL'), PHP_URL_HOST);
$_SERVER['REQUEST_URI'] = '/';
define('WP_INSTALLING', true);
require __DIR__ . '/config.php';
// No mail leaves a test site (both are pluggable: defined first, WordPress keeps these).
function wp_mail() { return true; }
function wp_new_blog_notification() {}
require ABSPATH . 'wp-settings.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

$accounts = json_decode(getenv('BYLINE_WP_ACCOUNTS'), true);
$first = array_shift($accounts);
$installed = wp_install('Boulangerie Corre', $first['login'], $first['email'], true, '',
                        wp_generate_password(24), 'en_US');
$ids = [$first['login'] => $installed['user_id']];
wp_update_user(['ID' => $installed['user_id'], 'display_name' => $first['display_name']]);
foreach ($accounts as $account) {
    $id = wp_insert_user([
        'user_login' => $account['login'],
        'user_email' => $account['email'],
        'display_name' => $account['display_name'],
        'role' => $account['role'],
        'user_pass' => wp_generate_password(24),
    ]);
    if (is_wp_error($id)) {
        fwrite(STDERR, $id->get_error_message() . "\n");
        exit(1);
    }
    $ids[$account['login']] = $id;
}
update_option('permalink_structure', '/%postname%/');
switch_theme('twentytwentyone');
flush_rewrite_rules();

$out = [];
foreach ($ids as $login => $id) {
    [$password] = WP_Application_Passwords::create_new_application_password($id, ['name' => 'Byline']);
    $out[$login] = ['id' => $id, 'application_password' => $password];
}
echo json_encode($out);
